"""Tests of the built book: its build, its pages in a browser, its widgets (all need one build)."""
