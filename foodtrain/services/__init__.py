"""Services: take a database session and plain values, own the transaction, return plain results."""
