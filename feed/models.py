# feed has no tables of its own.
