"""Small models the chapters train on a CPU."""
