"""What operators watch: `/metrics` for Prometheus and `/readyz` for load balancers."""
