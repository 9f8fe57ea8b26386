/* placeholder */ typedef int rs_placeholder_pgctl;
