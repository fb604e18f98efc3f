"""``make bench``: fours benchmarks, one JSON object per line.

Every benchmark measures our path and a baseline *in the same run* and reports
``ratio = value / baseline`` (the machine is shared and noisy: absolute times
mean little, ratios and growth do). See docs/benchmarks.md.
"""
