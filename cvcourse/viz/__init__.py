"""Plotting helpers: image grids, kernels and feature maps (``images``); boxes and masks."""
