/* scram_vectors.h - SCRAM-SHA-256 values computed by gen_scram.py with hashlib; do not edit. */

#define RFC7677_USER "user"
#define RFC7677_PASSWORD "pencil"
#define RFC7677_NONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC7677_SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC7677_CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define RFC7677_CLIENT_FINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC7677_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

#define LOCAL_USER ""
#define LOCAL_PASSWORD "correct horse"
#define LOCAL_NONCE "Zm9vYmFyYmF6"
#define LOCAL_SERVER_FIRST "r=Zm9vYmFyYmF6serverpart+/x,s=c2FsdHk=,i=17"
#define LOCAL_CLIENT_FIRST "n,,n=,r=Zm9vYmFyYmF6"
#define LOCAL_CLIENT_FINAL "c=biws,r=Zm9vYmFyYmF6serverpart+/x,p=NiyWhDHm7lOPY03HrUKFavpbVdY1qTRV2nELzewy9I4="
#define LOCAL_SERVER_FINAL "v=w6z7AAY6FdAIjBxs643cjn8yB5XYISG8BSFHs4OQy9I="

#define REC_USER ""
#define REC_PASSWORD "scrampass"
#define REC_NONCE "pgwtestnonce0123456789AB"
#define REC_SERVER_FIRST "r=pgwtestnonce0123456789ABuiH+FRaNqaSYsdVuGhR2hz76,s=l+90oB9qUwvybjM5TBAMIA==,i=4096"
#define REC_CLIENT_FIRST "n,,n=,r=pgwtestnonce0123456789AB"
#define REC_CLIENT_FINAL "c=biws,r=pgwtestnonce0123456789ABuiH+FRaNqaSYsdVuGhR2hz76,p=a0sQ8vHyFj3eu2t3lKG7CWdWMPySM5FAVKVxtVrkN+U="
#define REC_SERVER_FINAL "v=zQ9soEyGP7ZsleRRWyhlj6bhR7qgx4MTuahetsLVhnM="

