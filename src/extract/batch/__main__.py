"""`python -m extract.batch DIR -o OUT`."""

from extract.batch.command import main

main()
