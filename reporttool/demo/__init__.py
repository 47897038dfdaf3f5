"""The demo: a made-up but plausible city month of district forms, with planted problems (make, plan,
names, base)."""
