"""The run: scan the inbox, ingest each file (ingest, in worker processes), compute the figures, write
the outputs (outputs). consolidate.run_consolidate is the entry point."""
