"""The WordPress relay: approved comments posted to the station's site (REST API)."""
