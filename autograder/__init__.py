"""The instructor's grading pipeline for the course."""
