/* placeholder */ typedef int deq_placeholder_cli_grid;
