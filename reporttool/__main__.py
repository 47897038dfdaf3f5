from reporttool.cli import main

main()
