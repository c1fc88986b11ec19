"""Recurrent layers: RNN, SimpleRNN, LSTM, GRU, their cells, Bidirectional, TimeDistributed."""
