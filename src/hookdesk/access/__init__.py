"""Who may use the web pages: invites, portal links, passwords, sessions, sign-in throttling."""
