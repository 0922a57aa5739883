"""repscope: what a network's layers learn during training, measured with
information theory and geometry."""
__version__ = "0.1.0"
