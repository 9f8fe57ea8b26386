/* fiber_x86_64.S - x86-64 System V context switch and entry trampoline for fibers. */

/*
 * uintptr_t rs_fiber_switch(void **save_sp, void *to_sp, uintptr_t value);
 *
 * Pushes the callee-saved state of the running context on its own stack,
 * stores the resulting stack pointer in *save_sp, then loads to_sp and pops
 * the state another rs_fiber_switch (or fiber_prepare() in fiber.c) left
 * there. value travels across: the context switched to sees it as the
 * return value of its own earlier rs_fiber_switch call, which lets callers
 * tail-call the switch and do no work after it. Caller-saved registers need
 * no saving: this is an ordinary call as far as the compiler is concerned.
 *
 * Frame layout at the saved stack pointer, 64 bytes, lowest address first
 * (struct fiber_frame in fiber.c must agree):
 *   +0  MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes zero
 *   +8  r15, r14, r13, r12, rbx, rbp
 *   +56 return address
 * MXCSR control bits and the x87 control word are callee-saved in the ABI,
 * so a fiber that changes its rounding mode must not leak it to the
 * scheduler, nor lose it across a yield. Loading them is the slowest part
 * of a switch and they almost never differ between contexts, so they are
 * loaded only when the control bits differ (MXCSR's low 6 bits are sticky
 * exception flags, status rather than control, and are ignored).
 *
 * Both stacks hold a frame of the same shape at the moment of the switch,
 * so one set of CFI notes describes the function before and after it.
 */
	.text
	.globl	rs_fiber_switch
	.hidden	rs_fiber_switch
	.type	rs_fiber_switch, @function
	.p2align 4
rs_fiber_switch:
	.cfi_startproc
	endbr64
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r15, 0
	pushq	$0
	.cfi_adjust_cfa_offset 8
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
	movq	(%rsp), %rcx

	movq	%rsp, (%rdi)
	movq	%rsi, %rsp

	movq	%rdx, %rax
	xorq	(%rsp), %rcx
	andq	$-64, %rcx
	jnz	2f
1:
	.cfi_remember_state
	addq	$8, %rsp
	.cfi_adjust_cfa_offset -8
	popq	%r15
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	ret
	.cfi_restore_state
2:	/* floating-point control state differs: load it */
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
	jmp	1b
	.cfi_endproc
	.size	rs_fiber_switch, .-rs_fiber_switch

/*
 * void rs_fiber_trampoline(void);
 *
 * Never called: the first rs_fiber_switch into a new fiber "returns" here,
 * with rbx = the struct rs_fiber * and rsp 16-byte aligned (fiber_prepare
 * places the frame so). The call below therefore enters rs_fiber_entry with
 * the rsp % 16 == 8 the ABI promises every function. rs_fiber_entry never
 * returns: it switches away for good when fn is done. The undefined return
 * address tells debuggers and unwinders that the fiber's stack ends here.
 */
	.globl	rs_fiber_trampoline
	.hidden	rs_fiber_trampoline
	.type	rs_fiber_trampoline, @function
	.p2align 4
rs_fiber_trampoline:
	.cfi_startproc
	.cfi_undefined %rip
	endbr64
	movq	%rbx, %rdi
	call	rs_fiber_entry
	ud2
	.cfi_endproc
	.size	rs_fiber_trampoline, .-rs_fiber_trampoline

	.section .note.GNU-stack,"",@progbits
