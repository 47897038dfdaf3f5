from reporttool.cli import run

run()
