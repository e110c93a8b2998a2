"""The enforcement linkage exchange hub (执行联动数据交换平台): the engine package."""

__version__ = "0.1.0"
