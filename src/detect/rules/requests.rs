//! What counts as an incoming request, per protocol, and which labels carry the route and the status.
