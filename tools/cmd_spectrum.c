/* placeholder */ typedef int deq_placeholder_cmd_spectrum;
