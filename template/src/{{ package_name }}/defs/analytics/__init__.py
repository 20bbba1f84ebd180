"""Analytics: the partitioned summary and its checks."""
