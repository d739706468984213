"""The state and rules of each role's window as plain Python objects: the Qt windows bind widgets to them and forward input."""
