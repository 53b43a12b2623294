"""Assets: files uploaded for ticket replies, stored on local disk by default."""
