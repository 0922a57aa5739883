"""Figures drawn with seaborn, one module per figure family; each drawing
function takes a tidy table and returns a matplotlib Figure."""
