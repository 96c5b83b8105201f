"""Verdicts and what follows from them: scoring, progress, what-if, the roadmap within budget,
the roll-up of merged communes and district aggregates. Pure functions of tables.
"""
