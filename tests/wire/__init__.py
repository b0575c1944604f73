"""The wire layer: authentication, signatures, request bounds, protocol rules, security hardening, the request log."""
