// Swift API of the edgeface face embedder (over EFEmbedder, the Objective-C++ wrapper).
//
//   let model = try EdgefaceModel(named: "face", spec: .face)   // .face: generated edgeface_face.swift
//   let a = try model.embed(cgImage, landmarks: points)          // 5 points: eyes, nose, mouth corners
//   let b = try model.embed(pixelBuffer: frame, landmarks: points)
//   let similarity = EdgefaceModel.cosine(a, b)
import CoreGraphics
import CoreVideo
import Foundation

/// The typed header's facts for one model (generated per model as `EdgefaceModelSpec.<m>`).
public struct EdgefaceModelSpec {
    public enum PixelOrder: Int32 { case rgb = 0, bgr = 1 }

    public let name: String
    /// Base name of the bundle resources `<resourceName>.param.bin` and `<resourceName>.bin`.
    public let resourceName: String
    public let inputBlob: Int32
    public let outputBlob: Int32
    public let inputName: String
    public let outputName: String
    public let inputWidth: Int32
    public let inputHeight: Int32
    public let pixelOrder: PixelOrder
    public let mean: [Float]
    public let norm: [Float]
    public let embeddingSize: Int32
    public let int8: Bool
    public let sha256: String
    public let edgefaceVersion: String

    public init(name: String, resourceName: String, inputBlob: Int32, outputBlob: Int32, inputName: String,
                outputName: String, inputWidth: Int32, inputHeight: Int32, pixelOrder: PixelOrder, mean: [Float],
                norm: [Float], embeddingSize: Int32, int8: Bool, sha256: String, edgefaceVersion: String) {
        self.name = name
        self.resourceName = resourceName
        self.inputBlob = inputBlob
        self.outputBlob = outputBlob
        self.inputName = inputName
        self.outputName = outputName
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.pixelOrder = pixelOrder
        self.mean = mean
        self.norm = norm
        self.embeddingSize = embeddingSize
        self.int8 = int8
        self.sha256 = sha256
        self.edgefaceVersion = edgefaceVersion
    }
}

public enum EdgefaceError: Error, CustomStringConvertible {
    case resourceMissing(String)
    case landmarks(String)
    case unsupportedPixelFormat(OSType)
    case imageConversion
    /// A failure of the native embedder: status (edgeface::Status) and its one-line message.
    case embedder(status: Int, message: String)

    public var description: String {
        switch self {
        case .resourceMissing(let r): return "edgeface: resource \(r) not found in the bundle"
        case .landmarks(let m): return "edgeface: \(m)"
        case .unsupportedPixelFormat(let t): return "edgeface: pixel buffer format \(t) not supported (use kCVPixelFormatType_32BGRA or 32RGBA)"
        case .imageConversion: return "edgeface: cannot draw the CGImage into an RGBA buffer"
        case .embedder(_, let m): return m
        }
    }

    init(_ error: NSError?) {
        self = .embedder(status: error?.code ?? 6, message: error?.localizedDescription ?? "edgeface: unknown error")
    }
}

public final class EdgefaceModel {
    public let spec: EdgefaceModelSpec
    private let embedder: EFEmbedder

    /// Loads `<name>.param.bin` and `<name>.bin` from `bundle` (where the build phase puts them).
    public init(named name: String, spec: EdgefaceModelSpec, bundle: Bundle = .main, threads: Int = 1) throws {
        func load(_ ext: String) throws -> Data {
            guard let url = bundle.url(forResource: name, withExtension: ext) else {
                throw EdgefaceError.resourceMissing("\(name).\(ext)")
            }
            // Mapped: page-aligned and not copied; ncnn reads the weights in place.
            return try Data(contentsOf: url, options: .alwaysMapped)
        }
        let param = try load("param.bin")
        let bin = try load("bin")
        let s = EFModelSpec()
        s.name = spec.name
        s.inputBlob = spec.inputBlob
        s.outputBlob = spec.outputBlob
        s.inputName = spec.inputName
        s.outputName = spec.outputName
        s.inputWidth = spec.inputWidth
        s.inputHeight = spec.inputHeight
        s.pixelOrder = spec.pixelOrder.rawValue
        s.mean = spec.mean.map { NSNumber(value: $0) }
        s.norm = spec.norm.map { NSNumber(value: $0) }
        s.embeddingSize = spec.embeddingSize
        s.int8 = spec.int8
        s.sha256 = spec.sha256
        s.edgefaceVersion = spec.edgefaceVersion
        do {
            embedder = try EFEmbedder(spec: s, paramBin: param, bin: bin, threads: Int32(threads))
        } catch let e as NSError {
            throw EdgefaceError(e)
        }
        self.spec = spec
    }

    /// The model of the generated spec, from its own resources.
    public convenience init(_ spec: EdgefaceModelSpec, bundle: Bundle = .main, threads: Int = 1) throws {
        try self.init(named: spec.resourceName, spec: spec, bundle: bundle, threads: threads)
    }

    /// Embedding of the face in `image`; landmarks: nil for an aligned crop of the model's input
    /// size, else 5 points (left eye, right eye, nose, left and right mouth corner) in pixels.
    public func embed(_ image: CGImage, landmarks: [CGPoint]?) throws -> [Float] {
        let w = image.width, h = image.height, rowBytes = w * 4
        var rgba = [UInt8](repeating: 0, count: rowBytes * h)
        let drawn: Bool = rgba.withUnsafeMutableBytes { buf in
            guard let ctx = CGContext(data: buf.baseAddress, width: w, height: h, bitsPerComponent: 8, bytesPerRow: rowBytes,
                                      space: CGColorSpaceCreateDeviceRGB(),
                                      bitmapInfo: CGImageAlphaInfo.noneSkipLast.rawValue | CGBitmapInfo.byteOrder32Big.rawValue)
            else { return false }
            ctx.draw(image, in: CGRect(x: 0, y: 0, width: w, height: h))
            return true
        }
        if !drawn { throw EdgefaceError.imageConversion }
        return try rgba.withUnsafeBytes { buf in
            try embed(buf.bindMemory(to: UInt8.self).baseAddress!, length: buf.count, width: w, height: h,
                      bytesPerRow: rowBytes, format: .RGBA, landmarks: landmarks)
        }
    }

    /// Camera frames: kCVPixelFormatType_32BGRA (AVCaptureVideoDataOutput's videoSettings) or 32RGBA.
    public func embed(pixelBuffer: CVPixelBuffer, landmarks: [CGPoint]? = nil) throws -> [Float] {
        let type = CVPixelBufferGetPixelFormatType(pixelBuffer)
        let format: EFPixelFormat
        switch type {
        case kCVPixelFormatType_32BGRA: format = .BGRA
        case kCVPixelFormatType_32RGBA: format = .RGBA
        default: throw EdgefaceError.unsupportedPixelFormat(type)
        }
        CVPixelBufferLockBaseAddress(pixelBuffer, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixelBuffer, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddress(pixelBuffer) else { throw EdgefaceError.imageConversion }
        let h = CVPixelBufferGetHeight(pixelBuffer), rowBytes = CVPixelBufferGetBytesPerRow(pixelBuffer)
        return try embed(base.assumingMemoryBound(to: UInt8.self), length: rowBytes * h,
                         width: CVPixelBufferGetWidth(pixelBuffer), height: h, bytesPerRow: rowBytes, format: format,
                         landmarks: landmarks)
    }

    /// Cosine similarity of two embeddings.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count && !a.isEmpty, "cosine: embeddings of different sizes")
        var dot: Double = 0, na: Double = 0, nb: Double = 0
        for i in 0 ..< a.count {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return Float(dot / (na * nb).squareRoot())
    }

    private func embed(_ pixels: UnsafePointer<UInt8>, length: Int, width: Int, height: Int, bytesPerRow: Int,
                       format: EFPixelFormat, landmarks: [CGPoint]?) throws -> [Float] {
        var lm: [Float]? = nil
        if let points = landmarks {
            guard points.count == 5 else { throw EdgefaceError.landmarks("5 landmarks expected, got \(points.count)") }
            lm = points.flatMap { [Float($0.x), Float($0.y)] }
        }
        let data: Data
        do {
            data = try lm.withOptionalPointer { p in
                try embedder.embedPixels(pixels, length: length, width: Int32(width), height: Int32(height),
                                         bytesPerRow: Int32(bytesPerRow), format: format, landmarks: p)
            }
        } catch let e as NSError {
            throw EdgefaceError(e)
        }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

private extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        switch self {
        case .some(let a): return try a.withUnsafeBufferPointer { try body($0.baseAddress) }
        case .none: return try body(nil)
        }
    }
}
