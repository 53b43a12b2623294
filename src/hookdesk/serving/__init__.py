"""`hookdesk serve --workers N`: API processes and a dispatcher process under one parent."""
