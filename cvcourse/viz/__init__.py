"""Plotting helpers: image grids, kernels, feature maps (``images``); boxes, masks (``detection``)."""
