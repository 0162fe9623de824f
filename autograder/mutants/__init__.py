"""Mutation catalogues, one module per notebook (``nbNN.py``): MUTANTS and VARIANTS."""
