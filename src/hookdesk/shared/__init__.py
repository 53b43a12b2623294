"""Small helpers every domain uses: clock, ids, paging, time parsing, JSON responses."""
