"""The demo's own windows: simulated devices a person can press, the paper the virtual printers printed,
and the walk that renders every window for ``kiosk demo --screenshots``. Product windows never import
this package; only the demo's wiring (``kiosk.demo``) does."""
