/* ab.h - `harness ab REF_A REF_B [run flags]`: two git refs built apart, run interleaved, compared. */
#ifndef RS_AB_H
#define RS_AB_H

int rs_ab_main(int argc, char **argv);

#endif
