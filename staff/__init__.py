"""The staff's view across the apps: the dashboard. It sits above accounts, applications, audits and
certificates and may read them all; none of them imports it (applications never imports audits or certificates)."""
