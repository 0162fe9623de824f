"""How ``nbgrader generate_assignment`` blanks the answers in the student's release.

nbgrader replaces every solution region with one stub, ``raise NotImplementedError()``. Inside
a function that is right: calling the unwritten function says so. A region at the top level of
a cell is a place to paste earlier work (notebook 02's notebook-01 functions); a ``raise``
there stops "Run All" before the lesson even starts. So a top-level region gets the stub's
comment only: the cell runs, defines nothing, and every later cell that needs the pasted
functions says which ones are missing.
"""

from nbgrader.preprocessors import ClearSolutions


class ClearSolutionsPasteAreas(ClearSolutions):
    """ClearSolutions whose stub for a top-level solution region keeps no ``raise`` line."""

    def _replace_solution_region(self, cell, language):
        top_level = cell.cell_type == "code" and any(
            self.begin_solution_delimeter in line and not line[:1].isspace()
            for line in cell.source.split("\n"))
        if not top_level:
            return super()._replace_solution_region(cell, language)
        stub = self.code_stub
        comments = [line for line in stub[language].split("\n") if line.startswith("#")]
        self.code_stub = {**stub, language: "\n".join(comments)}
        try:
            return super()._replace_solution_region(cell, language)
        finally:
            self.code_stub = stub
