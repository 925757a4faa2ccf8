/* placeholder */ typedef int deq_placeholder_mc_ridge;
