"""Figures shared by the chapters (matplotlib). Each function returns the figure or axes it drew."""
