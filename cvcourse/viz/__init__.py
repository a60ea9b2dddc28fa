"""Plotting helpers: image grids, kernels, feature maps (``images``), boxes and masks (``detection``)."""
