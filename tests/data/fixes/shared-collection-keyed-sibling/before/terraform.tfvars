users = ["alice", "bob"]
