/* placeholder */ typedef int deq_placeholder_spectrum_file;
