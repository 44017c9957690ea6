"""Pieces of bench/growth.py: synthetic articles and their looked-up vectors (`synthetic`,
`lookup`), the figures measured per store size (`measure`), and the plot (`plot`)."""
