"""``python -m kpi``: see :mod:`kpi.cli`."""

from kpi.cli import main

if __name__ == "__main__":
    main()
