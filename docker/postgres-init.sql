-- Database of p2c-sync's checkpoint store (watermarks, cursors, failures), beside Temporal's own.
CREATE DATABASE p2c;
