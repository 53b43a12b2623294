"""The tables, one module per concern: below every service, above db/ only. The services of
a concern and of the concerns above it read and write them; pages never do."""
