"""Message catalogues of the panel, one module per language, all with the same keys."""
