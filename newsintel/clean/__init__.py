"""Cleaning: raw pages and text records into `articles`, one row per distinct story."""
