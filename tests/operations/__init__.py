"""Every operation at once: the every-operation table, schemathesis, limits at declared maxima, derived fields."""
