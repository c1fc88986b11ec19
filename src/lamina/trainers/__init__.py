"""`lamina.trainers`: the Trainer (compile / fit / evaluate / predict) and data adapters."""
