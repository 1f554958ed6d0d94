/*
 * Stand-in bcryptprimitives.dll for running Go programs under Wine 8.0,
 * which has no such DLL: the Go runtime (since Go 1.22) loads ProcessPrng
 * from it at start and dies without it. Wine 9 and Windows have their own;
 * this one is for tests only and is copied into the Wine prefix's system32
 * (Go searches only there). It fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), Windows' own random source.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
