/* placeholder */ typedef int deq_placeholder_rng;
