"""Third-party client libraries (alipai, aliyun-python-sdk-core) against `fakepai serve`."""
