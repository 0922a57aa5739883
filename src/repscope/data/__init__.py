"""Datasets: the toy generators of the studies (``toy``) and the training data."""
