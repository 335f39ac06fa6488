"""ipywidgets explorers for Colab and Jupyter. ipywidgets is imported inside each function."""
